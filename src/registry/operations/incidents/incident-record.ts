/** An incident as the registry returns it. */
export type IncidentStatus = 'open' | 'acknowledged' | 'resolved';

export interface IncidentRecord {
  readonly id: string;
  readonly product: string;
  readonly status: IncidentStatus;
  readonly kind: string;
  readonly summary: string;
  readonly oncall: string | null;
  readonly openedAt: string;
  readonly acknowledgedAt: string | null;
  readonly acknowledgedBy: string | null;
  readonly resolvedAt: string | null;
  readonly resolvedBy: string | null;
}
