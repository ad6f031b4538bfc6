import http2 from 'node:http2';
import type { AddressInfo } from 'node:net';
import { connectWorker } from '../../temporal/connect';
import { parseConfig } from '../../config';
import { devServerEnvironment } from '../../temporal/dev-server';

/** The headers of the first call a worker connection makes (GetSystemInfo), to a server that refuses it. */
async function firstCallHeaders(compression?: 'none' | 'gzip'): Promise<http2.IncomingHttpHeaders> {
  const server = http2.createServer();
  const calls: http2.IncomingHttpHeaders[] = [];
  server.on('stream', (stream, headers) => {
    calls.push(headers);
    stream.respond({ ':status': 200, 'content-type': 'application/grpc', 'grpc-status': '12' }, { endStream: true });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  try {
    const { port } = server.address() as AddressInfo;
    const settings = { temporalNamespace: 'default', codecKeys: [], temporalGrpcCompression: compression };
    await expect(connectWorker(settings, `127.0.0.1:${port}`)).rejects.toThrow(/GetSystemInfo/);
    return calls[0]!;
  } finally {
    server.close();
  }
}

describe('the worker connection to Temporal', () => {
  it('sends its gRPC calls uncompressed unless TEMPORAL_GRPC_COMPRESSION=gzip', async () => {
    const plain = await firstCallHeaders();
    expect(plain[':path']).toBe('/temporal.api.workflowservice.v1.WorkflowService/GetSystemInfo');
    expect(plain['grpc-encoding']).toBeUndefined();
    expect((await firstCallHeaders('none'))['grpc-encoding']).toBeUndefined();
    expect((await firstCallHeaders('gzip'))['grpc-encoding']).toBe('gzip');
  });

  it('reads TEMPORAL_GRPC_COMPRESSION: none by default, gzip on request, nothing else', () => {
    expect(parseConfig({}).temporalGrpcCompression).toBe('none');
    expect(parseConfig({ TEMPORAL_GRPC_COMPRESSION: 'gzip' }).temporalGrpcCompression).toBe('gzip');
    expect(() => parseConfig({ TEMPORAL_GRPC_COMPRESSION: 'zstd' })).toThrow(/TEMPORAL_GRPC_COMPRESSION/);
  });
});

describe('the embedded Temporal dev server', () => {
  it('runs with GOGC=300 unless the environment sets it', () => {
    expect(devServerEnvironment({ PATH: '/bin' })).toEqual({ PATH: '/bin', GOGC: '300' });
    expect(devServerEnvironment({ GOGC: '100' }).GOGC).toBe('100');
  });
});
