// Preloaded with `node --import` by test/cli-startup.test.ts: appends every module URL the process resolves
// (ESM imports, static and dynamic) to the file named by HOLOCLIP_RECORD_IMPORTS, one per line.
import { register } from 'node:module';

const hook = `
import { appendFileSync } from 'node:fs';
const out = ${JSON.stringify(process.env.HOLOCLIP_RECORD_IMPORTS ?? '')};
export async function resolve(specifier, context, next) {
  const result = await next(specifier, context);
  if (out) appendFileSync(out, result.url + '\\n');
  return result;
}
`;
register(`data:text/javascript,${encodeURIComponent(hook)}`);
