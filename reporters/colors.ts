/** The few styles the console reporter uses; identity functions when colour is off. */
export interface Palette {
  green(text: string): string;
  red(text: string): string;
  yellow(text: string): string;
  dim(text: string): string;
  bold(text: string): string;
}

const ansi =
  (open: number, close: number) =>
  (text: string): string =>
    `\u001b[${open}m${text}\u001b[${close}m`;

const COLOURED: Palette = { green: ansi(32, 39), red: ansi(31, 39), yellow: ansi(33, 39), dim: ansi(2, 22), bold: ansi(1, 22) };
const plain = (text: string): string => text;
const PLAIN: Palette = { green: plain, red: plain, yellow: plain, dim: plain, bold: plain };

/**
 * Colour only for a terminal, and never when NO_COLOR is set (https://no-color.org: present
 * and not empty), so CI logs and redirected output stay plain text.
 */
export function paletteFor(stream: NodeJS.WritableStream, env: NodeJS.ProcessEnv = process.env): Palette {
  const isTTY = (stream as { isTTY?: boolean }).isTTY === true;
  return isTTY && !env.NO_COLOR ? COLOURED : PLAIN;
}
