import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
}

export interface ProfileSummary {
  file: string;
  sampledMs: number;
  /** Self time by where the code lives: a package under node_modules, a project folder, node itself. */
  byArea: { area: string; share: number }[];
  /** The functions with the most self time. */
  topFunctions: { name: string; share: number }[];
}

function areaOf(url: string): string {
  if (!url) return '(native, GC, idle)';
  if (url.startsWith('node:')) return 'node internals';
  const modules = url.lastIndexOf('node_modules/');
  if (modules >= 0) {
    const [first, second] = url.slice(modules + 'node_modules/'.length).split('/');
    return first.startsWith('@') ? `${first}/${second}` : first;
  }
  const project = url.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
  return project.includes('/') ? `${project.split('/')[0]}/` : project;
}

/** Self time per area and per function of a `node --cpu-prof` profile. */
export function summarizeProfile(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as { nodes: ProfileNode[]; startTime: number; endTime: number };
  const total = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
  const byArea = new Map<string, number>();
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const hits = node.hitCount ?? 0;
    if (hits === 0) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    const area = areaOf(url);
    byArea.set(area, (byArea.get(area) ?? 0) + hits);
    const name = `${functionName || '(anonymous)'} ${url ? `${path.basename(url)}:${lineNumber + 1}` : ''} [${area}]`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + hits);
  }
  const share = (hits: number) => Math.round((hits / total) * 1000) / 10;
  const ranked = (map: Map<string, number>) => [...map].sort((a, b) => b[1] - a[1]);
  return {
    file,
    sampledMs: Math.round((profile.endTime - profile.startTime) / 1000),
    byArea: ranked(byArea).slice(0, top).map(([area, hits]) => ({ area, share: share(hits) })),
    topFunctions: ranked(byFunction).slice(0, top).map(([name, hits]) => ({ name, share: share(hits) })),
  };
}
