// Text from the wire or the DP (kick details, refusal reasons, DP error messages) reaches the
// technician's console. An insider or a broken DP must not be able to move the cursor, clear the
// screen, retitle the window or hide a line with escape sequences: strip them before printing.
import { stripVTControlCharacters } from 'node:util';

/** C0 and C1 control characters and DEL (an 8-bit CSI, \u009b, starts a sequence without ESC). */
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/g;

/** The text with ANSI/VT escape sequences removed and every other control character a space. */
export function printable(text: string): string {
  return stripVTControlCharacters(text).replace(CONTROL, ' ');
}
