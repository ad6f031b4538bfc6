import { readFileSync } from 'node:fs';
import { Client, Connection, type TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { NativeConnection } from '@temporalio/worker';
import type { OmsConfig } from '../config';
import { EncryptionCodec } from './codec';

/** What every Temporal connection of the OMS is built from (a subset of the config, so tests can supply it). */
export type TemporalSettings = Pick<OmsConfig, 'temporalNamespace' | 'codecKeys' | 'temporalApiKey' | 'temporalTls'> &
  Partial<Pick<OmsConfig, 'temporalGrpcCompression'>>;

/**
 * The one data converter of every client and worker: payloads (workflow and activity arguments and results,
 * Update/query values, memo, user metadata such as static summaries) are encrypted by the payload codec.
 * Codecs run in the worker's main thread, outside the workflow sandbox, so the workflow bundle needs nothing.
 * Search attributes and headers are never encoded; they must not carry personal data.
 */
export function omsDataConverter(settings: Pick<TemporalSettings, 'codecKeys'>): DataConverter {
  return { payloadCodecs: [new EncryptionCodec(settings.codecKeys)] };
}

/**
 * TLS for an external cluster: on with an API key (Temporal Cloud) or any `TEMPORAL_TLS_*` setting;
 * a client certificate and key make it mTLS. Off (plain gRPC) otherwise, as for the dev server.
 */
export function temporalTlsConfig(
  settings: Pick<TemporalSettings, 'temporalApiKey' | 'temporalTls'>,
): TLSConfig | undefined {
  const tls = settings.temporalTls;
  if (!tls) return settings.temporalApiKey ? {} : undefined;
  return {
    ...(tls.serverName ? { serverNameOverride: tls.serverName } : {}),
    ...(tls.caPath ? { serverRootCACertificate: readFileSync(tls.caPath) } : {}),
    ...(tls.certPath && tls.keyPath
      ? { clientCertPair: { crt: readFileSync(tls.certPath), key: readFileSync(tls.keyPath) } }
      : {}),
  };
}

/** Options shared by the client `Connection` and the worker `NativeConnection`. */
export function temporalConnectionOptions(
  settings: TemporalSettings,
  address: string,
): { address: string; tls?: TLSConfig; apiKey?: string } {
  const tls = temporalTlsConfig(settings);
  return { address, ...(tls ? { tls } : {}), ...(settings.temporalApiKey ? { apiKey: settings.temporalApiKey } : {}) };
}

/** A client of the OMS namespace with the OMS data converter. Close `connection` when done. */
export async function connectClient(
  settings: TemporalSettings,
  address: string,
): Promise<{ connection: Connection; client: Client }> {
  const connection = await Connection.connect(temporalConnectionOptions(settings, address));
  return {
    connection,
    client: new Client({
      connection,
      namespace: settings.temporalNamespace,
      dataConverter: omsDataConverter(settings),
    }),
  };
}

/**
 * The worker's connection; pass `omsDataConverter(settings)` as the worker's `dataConverter`. Uncompressed unless
 * `TEMPORAL_GRPC_COMPRESSION=gzip` (see OmsConfig).
 */
export function connectWorker(settings: TemporalSettings, address: string): Promise<NativeConnection> {
  return NativeConnection.connect({
    ...temporalConnectionOptions(settings, address),
    grpcCompression: { codec: settings.temporalGrpcCompression ?? 'none' },
  });
}
