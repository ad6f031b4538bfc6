import type express from 'express';
import type { OmsConfig } from '../config';
import type { Db } from '../db/connection';
import type { Services } from '../services';
import type { Authenticator } from './auth';

/** What every route module gets (built by createApp in api/app.ts). */
export interface ApiDeps {
  /** For the read models the routes answer with; changes go through `services`. */
  db: Db;
  config: Pick<OmsConfig, 'apiKeys' | 'temporalUiUrl' | 'temporalNamespace' | 'carrierWebhookSecret'>;
  auth: Authenticator;
  services: Services;
  log: (error: unknown) => void;
}

/** A request whose raw body bytes were kept (webhook signatures are HMACs over the body exactly as sent). */
export type RawBodyRequest = express.Request & { rawBody?: Buffer };
