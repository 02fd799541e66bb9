/**
 * Where a model folder declares its dense output (`holoclip.json` `dense`, or config.json `holoclip_export.dense`),
 * read without the dense encoder itself (dense-encoder.ts): the suite planner asks only whether there is one.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { HoloclipError, errorMessage } from '../errors.js';

async function readJson(file: string): Promise<Record<string, unknown> | null> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as Record<string, unknown>;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new HoloclipError(`${file} is not readable JSON: ${errorMessage(err)}`);
  }
}

/** The raw dense block of a model folder (card first, then config.json), and the file it came from. */
export async function readDenseBlock(dir: string): Promise<{ raw: unknown; specSource: string }> {
  const cardFile = path.join(dir, 'holoclip.json');
  const configFile = path.join(dir, 'config.json');
  const card = await readJson(cardFile);
  const config = await readJson(configFile);
  const fromConfig = (config?.holoclip_export as Record<string, unknown> | undefined)?.dense;
  return { raw: card?.dense ?? fromConfig, specSource: card?.dense !== undefined ? cardFile : configFile };
}

/**
 * Whether a model folder declares a dense output (what the suite planner asks before planning a dense task; a
 * malformed block counts as declared, so that the task reports it).
 */
export async function declaresDenseOutput(dirArg: string): Promise<boolean> {
  return (await readDenseBlock(path.resolve(dirArg))).raw !== undefined;
}
