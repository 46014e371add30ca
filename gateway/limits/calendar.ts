/**
 * Calendar days in a named time zone, for daily quotas: the day a quota counts in is the
 * region's calendar day (e.g. Asia/Jakarta, WIB), and it resets at local midnight, not at UTC
 * midnight (07:00 WIB).
 */

export interface LocalDay {
  /** The local calendar date, `YYYY-MM-DD`. */
  date: string;
  /** Milliseconds from `now` to the next local midnight (> 0). */
  msToMidnight: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Throws a RangeError for a name that is not an IANA time zone Node knows. */
function formatter(timeZone: string): Intl.DateTimeFormat {
  let format = formatters.get(timeZone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, format);
  }
  return format;
}

/** The wall-clock time at `instant` in `timeZone`, written as if it were a UTC time (ms). */
function wallClock(instant: number, timeZone: string): number {
  const parts: Record<string, number> = {};
  for (const part of formatter(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const field = (name: string): number => parts[name] ?? 0;
  return Date.UTC(field('year'), field('month') - 1, field('day'), field('hour'), field('minute'), field('second'), new Date(instant).getUTCMilliseconds());
}

/** The local date at `now` and the time left until the next local midnight. */
export function localDay(now: Date, timeZone: string): LocalDay {
  const instant = now.getTime();
  const wall = new Date(wallClock(instant, timeZone));
  const date = wall.toISOString().slice(0, 10);
  const nextMidnightWall = Date.UTC(wall.getUTCFullYear(), wall.getUTCMonth(), wall.getUTCDate() + 1);
  // Wall clock -> instant: subtract the zone's offset. The offset at the next midnight may
  // differ from the current one (daylight saving time elsewhere), so correct it once more.
  let midnight = nextMidnightWall - (wallClock(instant, timeZone) - instant);
  midnight = nextMidnightWall - (wallClock(midnight, timeZone) - midnight);
  return { date, msToMidnight: Math.max(1, midnight - instant) };
}

/**
 * The instant a wall-clock time (`2026-12-07T10:00`, `2026-12-07`: midnight) names in `timeZone`,
 * or null when `wall` is no such time. Corrected twice, as `localDay` is, for zones that shift.
 */
export function instantAt(wall: string, timeZone: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?$/.exec(wall);
  if (!match) return null;
  const [, year, month, day, hour = '0', minute = '0', second = '0'] = match;
  const asUtc = Date.UTC(Number(year), Number(month) - 1, Number(day), Number(hour), Number(minute), Number(second));
  if (Number.isNaN(asUtc) || new Date(asUtc).toISOString().slice(0, 10) !== `${year}-${month}-${day}`) return null;
  let instant = asUtc - (wallClock(asUtc, timeZone) - asUtc);
  instant = asUtc - (wallClock(instant, timeZone) - instant);
  return new Date(instant);
}

/** True when `timeZone` is an IANA time zone name this Node knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}
