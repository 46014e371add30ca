// The NIP (Nomor Induk Pegawai) of a civil servant, checked before anything goes to BKN: a wrong
// NIP is the caller's mistake and must not cost a token fetch or an upstream call. Pure.
//
// Layout (18 digits, PP 11/2017 practice as printed on every SK):
//   1-8   birth date, yyyymmdd
//   9-14  TMT CPNS (start of service as candidate), yyyymm
//   15    gender: 1 male, 2 female
//   16-18 sequence number among those sharing the first 15 digits (001-999)

export interface NipParts {
  /** ISO date of birth. */
  birthDate: string;
  /** Year and month of the TMT CPNS, `yyyy-mm`. */
  cpnsTmt: string;
  gender: 'male' | 'female';
  sequence: string;
}

export type NipCheck = { valid: true; parts: NipParts } | { valid: false; reason: string };

/** A CPNS is at least 18 years old. */
const minimumAppointmentAge = 18;

function realDate(year: number, month: number, day: number): boolean {
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

/** `today` is a parameter so tests do not depend on the calendar. */
export function checkNip(nip: string, today: Date = new Date()): NipCheck {
  if (!/^[0-9]{18}$/.test(nip)) return { valid: false, reason: 'a NIP has exactly 18 digits' };
  const birthYear = Number(nip.slice(0, 4));
  const birthMonth = Number(nip.slice(4, 6));
  const birthDay = Number(nip.slice(6, 8));
  const tmtYear = Number(nip.slice(8, 12));
  const tmtMonth = Number(nip.slice(12, 14));
  const genderDigit = nip[14];
  const sequence = nip.slice(15);
  const thisYear = today.getUTCFullYear();
  const thisMonth = today.getUTCMonth() + 1;

  if (birthYear < 1900 || !realDate(birthYear, birthMonth, birthDay)) {
    return { valid: false, reason: `digits 1-8 (${nip.slice(0, 8)}) are not a real birth date yyyymmdd` };
  }
  if (Date.UTC(birthYear, birthMonth - 1, birthDay) > today.getTime()) {
    return { valid: false, reason: `digits 1-8 (${nip.slice(0, 8)}) are a birth date in the future` };
  }
  if (tmtMonth < 1 || tmtMonth > 12) {
    return { valid: false, reason: `digits 9-14 (${nip.slice(8, 14)}) are not a TMT CPNS yyyymm` };
  }
  if (tmtYear < birthYear + minimumAppointmentAge) {
    return { valid: false, reason: `TMT CPNS ${tmtYear} is before the year the holder turned ${minimumAppointmentAge} (${birthYear + minimumAppointmentAge})` };
  }
  if (tmtYear > thisYear || (tmtYear === thisYear && tmtMonth > thisMonth)) {
    return { valid: false, reason: `TMT CPNS ${nip.slice(8, 12)}-${nip.slice(12, 14)} is in the future` };
  }
  if (genderDigit !== '1' && genderDigit !== '2') {
    return { valid: false, reason: `digit 15 (${genderDigit}) is the gender: 1 or 2` };
  }
  if (sequence === '000') return { valid: false, reason: 'digits 16-18 are a sequence number from 001' };
  return {
    valid: true,
    parts: {
      birthDate: `${nip.slice(0, 4)}-${nip.slice(4, 6)}-${nip.slice(6, 8)}`,
      cpnsTmt: `${nip.slice(8, 12)}-${nip.slice(12, 14)}`,
      gender: genderDigit === '1' ? 'male' : 'female',
      sequence,
    },
  };
}
