import { describe, expect, it } from 'vitest';
import { DEFAULT_LABELS } from '../../handlers/constants';
import { containerTargets, parsePortLabel, parseTopicsLabel, parseUriLabel } from '../../handlers/labels';

const labels = { ...DEFAULT_LABELS };

describe('label validation', () => {
  it.each([
    ['8080', 8080],
    [' 80 ', 80],
    ['1', 1],
    ['65535', 65535],
  ])('accepts port %j', (value, expected) => expect(parsePortLabel(value)).toBe(expected));

  it.each(['0', '65536', '-1', '80.5', 'http', '', '8080a', '1e3', '123456'])('refuses port %j', (value) =>
    expect(parsePortLabel(value)).toBeUndefined(),
  );

  it.each(['/', '/notify', '/api/v1/notify?x=1', '/a-b_c.d~e%20'])('accepts URI %j', (value) =>
    expect(parseUriLabel(value)).toBe(value),
  );

  it.each(['notify', 'http://host/notify', '//host/notify', '/no spaces', '/tab\there', '/nl\n', '', `/${'a'.repeat(2100)}`])(
    'refuses URI %j',
    (value) => expect(parseUriLabel(value)).toBeUndefined(),
  );

  it('parses topics, ignoring blanks', () => {
    expect(parseTopicsLabel(' config , ,deploy')).toEqual(['config', 'deploy']);
    expect(parseTopicsLabel(' , ')).toBeUndefined();
    expect(parseTopicsLabel(undefined)).toBeUndefined();
  });
});

describe('containerTargets', () => {
  const containers = [
    { name: 'app', dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '8080', NOTIFY_ME_API_URI: '/notify' } },
    { name: 'sidecar', dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '9000', NOTIFY_ME_API_URI: '/hook', NOTIFY_ME_TOPICS: 'config' } },
    { name: 'half-opted', dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '9001' } },
    { name: 'bad-port', dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '99999', NOTIFY_ME_API_URI: '/x' } },
    { name: 'bad-uri', dockerLabels: { NOTIFY_ME_CONTAINER_PORT: '80', NOTIFY_ME_API_URI: 'http://evil/x' } },
    { name: 'unlabelled' },
  ];

  it('returns every labelled container and the invalid ones separately', () => {
    const result = containerTargets(containers, labels, 'config');
    expect(result.targets).toEqual([
      { container: 'app', port: 8080, uri: '/notify' },
      { container: 'sidecar', port: 9000, uri: '/hook' },
    ]);
    expect(result.rejected.map((r) => [r.container, r.label, r.value])).toEqual([
      ['bad-port', 'NOTIFY_ME_CONTAINER_PORT', '99999'],
      ['bad-uri', 'NOTIFY_ME_API_URI', 'http://evil/x'],
    ]);
  });

  it('leaves out containers whose topics do not include the event topic', () => {
    expect(containerTargets(containers, labels, 'other').targets.map((t) => t.container)).toEqual(['app']);
    expect(containerTargets(containers, labels, undefined).targets.map((t) => t.container)).toEqual(['app']);
  });

  it('honours overridden label names', () => {
    const custom = { port: 'P', uri: 'U', topics: 'T' };
    const result = containerTargets([{ name: 'c', dockerLabels: { P: '1', U: '/u' } }, ...containers], custom, undefined);
    expect(result.targets).toEqual([{ container: 'c', port: 1, uri: '/u' }]);
  });
});
