import type { Simulation, SimulationOptions } from './types';

/** Starts a simulation (implementation follows). */
export const startSimulation = async (_options: SimulationOptions): Promise<Simulation> => {
  throw new Error('not implemented yet');
};
