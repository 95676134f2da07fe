/**
 * Structured logs: one JSON object per line on stderr. Callers pass plain facts (method,
 * path, status, duration, ids); tokens and connection strings are never handed to it.
 */
export type LogSink = (entry: Record<string, unknown>) => void;

export function jsonLog(write: (line: string) => void = (line) => process.stderr.write(line)): LogSink {
  return (entry) => write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...entry })}\n`);
}

export const silentLog: LogSink = () => undefined;
