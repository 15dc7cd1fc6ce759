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
}

export const machineInfo = (now: Date = new Date()): MachineInfo => {
  const cpus = os.cpus();
  return {
    cpuModel: cpus[0]?.model.trim() || 'unknown CPU',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
    date: now.toISOString(),
  };
};

/** One line: `AMD EPYC, 2 cores, 23.5 GiB, Node v20.20.2, linux ... x64, 2026-11-22T02:40:00Z`. */
export const describeMachine = (info: MachineInfo): string =>
  `${info.cpuModel}, ${info.cores} cores, ${info.memoryGiB} GiB RAM, Node ${info.node}, ${info.platform}, ${info.date}`;
