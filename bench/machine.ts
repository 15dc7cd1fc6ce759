import os from 'node:os';

/** The machine a run measured, stated at the top of the results. */
export interface MachineInfo {
  cpuModel: string;
  cores: number;
  memoryGiB: number;
  node: string;
  platform: string;
  /** ISO date-time of the run (UTC). */
  date: string;
  /** 1-minute load average when the run started: other work on the machine skews the timings. */
  loadAverage1m: number;
}

/** CPU, cores, memory, Node version, platform, date and load average of this machine. */
export const machineInfo = (now: Date = new Date()): MachineInfo => {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
    loadAverage1m: Math.round(os.loadavg()[0]! * 100) / 100,
  };
};

/** One line: `AMD EPYC, 2 cores, 23.5 GiB RAM, Node v20.20.2, linux ... x64, 2026-11-22T02:40:00Z, load average 0.5`. */
export const describeMachine = (info: MachineInfo): string =>
  `${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.platform}, ${info.date}, ` +
  `1-minute load average ${info.loadAverage1m} at start`;
