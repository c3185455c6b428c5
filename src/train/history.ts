import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '../io/atomic-write.js';

// The record of a training run: one row per evaluation, {step, epoch?, ...metrics}, with columns
// that appear as metrics do (train loss, validation accuracy, lr, ...). Written as CSV (for
// spreadsheets and `rnnkit plot`) and JSON (for programs), each file replaced atomically so a run
// killed mid-write leaves the previous complete file. Numbers are written in full (shortest
// round-trip form), so reading a file back gives the very same values.
//   CSV:  header 'step[,epoch],<metric>,...'; a metric a row lacks is an empty cell; NaN, Infinity
//   JSON: { "columns": [...], "rows": [{ "step": 1, "loss": 0.5 }, ...] }, non-finite as null

export interface HistoryRow {
  step: number;
  epoch?: number;
  [metric: string]: number | undefined;
}

export interface HistoryJSON {
  columns: string[];
  rows: Record<string, number | null>[];
}

const NAME = /^[A-Za-z_][A-Za-z0-9_.\-/]*$/;

export class History {
  readonly rows: HistoryRow[] = [];

  constructor(rows: Iterable<HistoryRow> = []) {
    for (const r of rows) this.add(r);
  }

  /** Appends a row (copied); metric names must be CSV-safe words such as 'val_loss'. */
  add(row: HistoryRow): HistoryRow {
    if (!Number.isInteger(row.step) || row.step < 0) throw new Error(`History.add: step must be an integer >= 0, got ${row.step}`);
    const copy: HistoryRow = { step: row.step };
    for (const [k, v] of Object.entries(row)) {
      if (v === undefined || k === 'step') continue;
      if (!NAME.test(k)) throw new Error(`History.add: metric name '${k}' must be a word of letters, digits, _ . - / (it becomes a CSV column)`);
      if (typeof v !== 'number') throw new Error(`History.add: metric '${k}' at step ${row.step} is ${typeof v}, expected a number`);
      copy[k] = v;
    }
    this.rows.push(copy);
    return copy;
  }

  get length(): number { return this.rows.length; }

  get last(): HistoryRow | undefined { return this.rows[this.rows.length - 1]; }

  /** 'step', then 'epoch' when any row has one, then the metrics in the order they first appear. */
  get columns(): string[] {
    const seen = new Set<string>(['step']);
    if (this.rows.some((r) => r.epoch !== undefined)) seen.add('epoch');
    for (const r of this.rows) for (const k of Object.keys(r)) seen.add(k);
    return [...seen];
  }

  /** One column, undefined where a row lacks the metric. */
  column(name: string): (number | undefined)[] {
    return this.rows.map((r) => r[name]);
  }

  toCSV(): string {
    const columns = this.columns;
    const lines = this.rows.map((r) => columns.map((c) => (r[c] === undefined ? '' : String(r[c]))).join(','));
    return [columns.join(','), ...lines].join('\n') + '\n';
  }

  toJSON(): HistoryJSON {
    return {
      columns: this.columns,
      rows: this.rows.map((r) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, Number.isFinite(v) ? v! : null]))),
    };
  }

  /** Writes `csvPath` and the JSON beside it (see historyPaths), each atomically. */
  write(csvPath: string): { csv: string; json: string } {
    const paths = historyPaths(csvPath);
    writeFileAtomic(paths.csv, this.toCSV());
    // One row per line: readable, and small diffs between runs.
    const j = this.toJSON();
    const rows = j.rows.length ? `[\n${j.rows.map((r) => `    ${JSON.stringify(r)}`).join(',\n')}\n  ]` : '[]';
    writeFileAtomic(paths.json, `{\n  "columns": ${JSON.stringify(j.columns)},\n  "rows": ${rows}\n}\n`);
    return paths;
  }

  static fromCSV(text: string, source = 'history CSV'): History {
    const lines = text.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
    const header = lines[0] ?? '';
    const columns = header.split(',');
    if (columns[0] !== 'step') throw new Error(`${source}: not an rnnkit learning curve (unexpected header '${header}'); its first column must be 'step'`);
    for (const c of columns) {
      if (!NAME.test(c)) throw new Error(`${source}: column name '${c}' in the header is not a metric name`);
    }
    const h = new History();
    lines.slice(1).forEach((line, i) => {
      const cells = line.split(',');
      if (cells.length !== columns.length) throw new Error(`${source}: line ${i + 2} has ${cells.length} values, the header has ${columns.length}: '${line}'`);
      const row: HistoryRow = { step: 0 };
      cells.forEach((cell, j) => {
        if (cell === '') {
          if (j === 0) throw new Error(`${source}: line ${i + 2} has no step`);
          return;
        }
        const v = Number(cell);
        if (Number.isNaN(v) && cell !== 'NaN') throw new Error(`${source}: line ${i + 2}, column '${columns[j]}': '${cell}' is not a number`);
        row[columns[j]] = v;
      });
      h.add(row);
    });
    return h;
  }

  static fromJSON(json: unknown, source = 'history JSON'): History {
    const o = json as Partial<HistoryJSON> | null;
    if (!o || !Array.isArray(o.rows)) throw new Error(`${source}: not an rnnkit history (expected an object with a 'rows' array)`);
    const h = new History();
    o.rows.forEach((r, i) => {
      if (!r || typeof r !== 'object') throw new Error(`${source}: row ${i} is not an object`);
      const row: HistoryRow = { step: NaN };
      for (const [k, v] of Object.entries(r)) {
        if (v !== null && typeof v !== 'number') throw new Error(`${source}: row ${i}, '${k}' is ${JSON.stringify(v)}, expected a number or null`);
        row[k] = v === null ? NaN : v;
      }
      try {
        h.add(row);
      } catch (e) {
        throw new Error(`${source}: row ${i}: ${(e as Error).message}`);
      }
    });
    return h;
  }

  /** Reads a history file written by write(): JSON when the name ends in .json, CSV otherwise. */
  static read(path: string): History {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new Error(`cannot read the history ${path}: ${(e as Error).message}`);
    }
    if (!path.endsWith('.json')) return History.fromCSV(text, path);
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (e) {
      throw new Error(`${path}: not valid JSON (${(e as Error).message})`);
    }
    return History.fromJSON(json, path);
  }
}

/** The CSV and JSON files of a history: 'run/history.csv' -> run/history.csv + run/history.json. */
export function historyPaths(path: string): { csv: string; json: string } {
  const base = path.replace(/\.(csv|json)$/, '');
  return { csv: `${base}.csv`, json: `${base}.json` };
}
