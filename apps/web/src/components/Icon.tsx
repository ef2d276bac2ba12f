import type { ReactNode } from 'react';

/**
 * Icons as inline SVG. Symbol glyphs (⧉ ◉ ⌁ ⇄ ❚ ▶ ✕ …) depend on the fonts of the machine: on a
 * plain Debian font set several of them have no glyph at all and Chromium draws an empty box.
 * An SVG path renders the same everywhere, takes the text colour (currentColor) and scales
 * with the font size (1em). Text characters (— … · → °) stay text: every font has them.
 */
const PATHS = {
  /** Two overlapping sheets: "a copy of the request and response is kept". */
  capture: (
    <>
      <rect x="8" y="8" width="12" height="12" rx="2" />
      <path d="M16 8V6a2 2 0 0 0-2-2H6a2 2 0 0 0-2 2v8a2 2 0 0 0 2 2h2" />
    </>
  ),
  close: <path d="M6 6l12 12M18 6L6 18" />,
  brand: (
    <>
      <circle cx="12" cy="12" r="9" />
      <circle cx="12" cy="12" r="4" fill="currentColor" />
    </>
  ),
  /** A telemetry trace: the Control entry of the left nav. */
  pulse: <path d="M3 12h4l2-6 4 12 2-6h6" />,
  dot: <circle cx="12" cy="12" r="5" fill="currentColor" stroke="none" />,
  sortDown: <path d="M6 9l6 6 6-6" />,
  sortUp: <path d="M6 15l6-6 6 6" />,
  pause: <path d="M8 5v14M16 5v14" strokeWidth="3" />,
  play: <path d="M7 5l12 7-12 7z" fill="currentColor" />,
  switch: <path d="M4 8h14l-3-3M20 16H6l3 3" />,
  up: <path d="M12 19V5M6 11l6-6 6 6" />,
  down: <path d="M12 5v14M6 13l6 6 6-6" />,
  left: <path d="M19 12H5M11 6l-6 6 6 6" />,
  /** Warm: a flame, the model is heated up (loaded) without switching the host to it. */
  warm: <path d="M12 3c1 4 5 5.5 5 10a5 5 0 0 1-10 0c0-2.5 1.5-4 2.5-5 .3 2 1.2 3 2.5 3.5C11 9 11 6 12 3z" />,
  /** Unload: eject. */
  unload: (
    <>
      <path d="M12 5l7 8H5z" />
      <path d="M5 18h14" />
    </>
  ),
  /** A cache hit: a bolt (the prompt came mostly from the KV cache). */
  bolt: <path d="M13 3L5 14h6l-1 7 8-11h-6z" />,
  /** An alert: a bell. */
  bell: (
    <>
      <path d="M6 16V11a6 6 0 0 1 12 0v5l2 2H4z" />
      <path d="M10 20a2 2 0 0 0 4 0" />
    </>
  ),
  /** A download (exports). */
  download: (
    <>
      <path d="M12 4v11M7 10l5 5 5-5" />
      <path d="M5 19h14" />
    </>
  ),
  /** A silence: a bell struck through. */
  mute: (
    <>
      <path d="M6 16V11a6 6 0 0 1 9.5-4.9M18 11v5l2 2H8" />
      <path d="M4 4l16 16" />
    </>
  ),
} satisfies Record<string, ReactNode>;

export type IconName = keyof typeof PATHS;
export const ICON_NAMES = Object.keys(PATHS) as IconName[];

export function Icon({ name, title, className }: { name: IconName; title?: string; className?: string }) {
  return (
    <svg
      className={`icon${className ? ` ${className}` : ''}`}
      viewBox="0 0 24 24"
      width="1em"
      height="1em"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      data-icon={name}
      role={title ? 'img' : undefined}
      aria-hidden={title ? undefined : true}
      aria-label={title}
      focusable="false"
    >
      {title && <title>{title}</title>}
      {PATHS[name]}
    </svg>
  );
}
