/** Webhook subscriptions and their deliveries as the registry returns them. */
export type WebhookFormat = 'cloudevents' | 'slack';

export interface WebhookRecord {
  readonly id: string;
  readonly url: string;
  readonly types: string[];
  readonly format: WebhookFormat;
  /** Only events about products of these domains (empty: all). */
  readonly domains: string[];
  readonly createdBy: string;
  readonly createdAt: string;
}

export interface DeliveryRecord {
  readonly webhookId: string;
  readonly eventId: number;
  readonly status: 'pending' | 'delivered' | 'failed';
  readonly attempts: number;
  readonly lastError: string | null;
  readonly nextAttemptAt: string;
  readonly finishedAt: string | null;
}
