/** Pieces of a suite report (report/index.html) that tests read. */
import assert from 'node:assert/strict';

/** The `<tr>` of the models table that belongs to `model`. */
export function modelsTableRow(html: string, model: string): string {
  const table = html.slice(html.indexOf('id="table-models"'));
  const body = table.slice(0, table.indexOf('</table>'));
  const row = body.split('<tr').find((r) => r.includes(`>${model}<`));
  assert.ok(row, `the models table has a row for ${model}`);
  return row;
}

/** The metadata-source notes of a models-table row, in column order. */
export function sourceNotes(row: string): string[] {
  return [...row.matchAll(/<span class="source[^"]*">([^<]*)<\/span>/g)].map((x) => x[1]);
}
