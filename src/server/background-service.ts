/** Something that runs beside the API until stopped (scheduler, monitor, dispatcher). */
export interface BackgroundService {
  readonly name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
}
