import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { parseCodecKeys } from '../../temporal/codec';

/** Recorded workflow histories, one file per scenario and recording date: `<scenario>.<yyyy-mm-dd>.json`. */
export const HISTORIES_DIR = path.join(__dirname, 'histories');

/**
 * The payload key the recorded histories are encrypted with, as production histories are. A test key, not a
 * secret: it protects nothing but demo data.
 */
export const RECORDING_CODEC_KEYS = parseCodecKeys('replay-fixture:cmVwbGF5LWZpeHR1cmUta2V5LW5vdC1hLXNlY3JldCE=');

type History = temporal.api.history.v1.History;
const { History } = temporal.api.history.v1;

export interface RecordedHistory {
  file: string;
  workflowId: string;
  history: History;
}

// The SDK's historyToJSON/historyFromJSON fail here ("type must be a Type": @temporalio/common and
// @temporalio/proto each install their own protobufjs 8), so histories go through @temporalio/proto's own
// object conversion: longs and enums as strings, bytes as base64.
const OBJECT_OPTIONS = { longs: String, enums: String, bytes: String, defaults: false } as const;

export function historyToText(workflowId: string, history: temporal.api.history.v1.IHistory): string {
  return `${JSON.stringify({ workflowId, history: History.toObject(History.fromObject(history), OBJECT_OPTIONS) }, null, 1)}\n`;
}

export function loadRecordedHistories(): RecordedHistory[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => {
      const { workflowId, history } = JSON.parse(readFileSync(path.join(HISTORIES_DIR, file), 'utf8')) as {
        workflowId: string;
        history: Record<string, unknown>;
      };
      return { file, workflowId, history: History.fromObject(history) };
    });
}
