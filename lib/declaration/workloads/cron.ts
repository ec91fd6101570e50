/*
 * The schedule grammar of a Kubernetes CronJob, which the API server checks with robfig/cron's standard parser
 * (Kubernetes docs, "CronJob", Schedule syntax): five fields (minute 0-59, hour 0-23, day of month 1-31, month 1-12
 * or JAN-DEC, day of week 0-6 or SUN-SAT), each a comma-separated list of `*`, a value or a range `a-b`, with an
 * optional step `/n`; `?` stands for `*` in the day fields; or one of the macros @yearly (@annually), @monthly,
 * @weekly, @daily (@midnight) and @hourly. A time zone goes in the CronJob's timeZone, not in the schedule.
 */

const MACROS = ['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly'];
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field { readonly name: string; readonly min: number; readonly max: number; readonly names?: string[]; readonly question?: boolean }

const FIELDS: Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31, question: true },
  { name: 'month', min: 1, max: 12, names: MONTHS },
  { name: 'day of week', min: 0, max: 6, names: DAYS, question: true },
];

/**
 * What is wrong with a cron schedule, or undefined when Kubernetes accepts it.
 * @internal
 */
export function cronProblem(schedule: string): string | undefined {
  if (MACROS.includes(schedule)) return undefined;
  if (/^(CRON_)?TZ=/.test(schedule)) return 'names a time zone, which Kubernetes refuses in the schedule';
  const parts = schedule.split(' ');
  if (parts.length !== 5 || parts.some((x) => x === '')) return `has ${schedule.trim().split(/\s+/).length} field(s) where Kubernetes needs five, separated by single spaces`;
  for (let i = 0; i < 5; i++) {
    const bad = fieldProblem(parts[i], FIELDS[i]);
    if (bad) return `has ${FIELDS[i].name} '${parts[i]}': ${bad}`;
  }
  return undefined;
}

function fieldProblem(text: string, f: Field): string | undefined {
  for (const item of text.split(',')) {
    const [range, step, extra] = item.split('/');
    if (extra !== undefined) return `'${item}' has two steps`;
    if (step !== undefined && !(/^[0-9]+$/.test(step) && Number(step) > 0)) return `step '${step}' is not a whole number above 0`;
    if (range === '*' || (range === '?' && f.question)) continue;
    const [a, b, more] = range.split('-');
    if (more !== undefined) return `'${range}' is not a value or a range a-b`;
    const lo = value(a, f);
    if (typeof lo === 'string') return lo;
    if (b === undefined) continue;
    const hi = value(b, f);
    if (typeof hi === 'string') return hi;
    if (lo > hi) return `range '${range}' runs backwards`;
  }
  return undefined;
}

function value(text: string, f: Field): number | string {
  const byName = f.names?.indexOf(text.toUpperCase()) ?? -1;
  const n = byName >= 0 ? byName + f.min : /^[0-9]+$/.test(text) ? Number(text) : NaN;
  if (Number.isNaN(n)) return `'${text}' is not a number${f.names ? ` or a name (${f.names[0]}-${f.names[f.names.length - 1]})` : ''}`;
  if (n < f.min || n > f.max) return `${n} is outside ${f.min}-${f.max}`;
  return n;
}
