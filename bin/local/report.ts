import type { ReplayReport } from './types';

/** A readable multi-line report (implementation follows). */
export const formatReport = (report: ReplayReport): string => JSON.stringify(report.totals);
