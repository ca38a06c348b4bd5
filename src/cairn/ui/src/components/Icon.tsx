/** Small inline SVG icons (no icon font, nothing fetched). Decorative: the button carries the name. */
const PATHS = {
  eye: "M1 8s2.5-5 7-5 7 5 7 5-2.5 5-7 5-7-5-7-5Zm7 2.5A2.5 2.5 0 1 0 8 5.5a2.5 2.5 0 0 0 0 5Z",
  eyeOff: "M2 2l12 12M6.3 6.4A2.5 2.5 0 0 0 9.6 9.7M4.1 4.3C2.3 5.5 1 8 1 8s2.5 5 7 5c1.4 0 2.6-.4 3.6-1M7 3.1c.3 0 .7-.1 1-.1 4.5 0 7 5 7 5s-.6 1.2-1.7 2.4",
  expand: "M2 6V2h4M10 2h4v4M14 10v4h-4M6 14H2v-4",
  close: "M3 3l10 10M13 3L3 13",
  sun: "M8 11a3 3 0 1 0 0-6 3 3 0 0 0 0 6ZM8 1v1.5M8 13.5V15M1 8h1.5M13.5 8H15M3 3l1 1M12 12l1 1M3 13l1-1M12 4l1-1",
  moon: "M13.5 10A6 6 0 0 1 6 2.5 6 6 0 1 0 13.5 10Z",
  chevron: "M6 4l4 4-4 4",
  plus: "M8 3v10M3 8h10",
  columns: "M2 3h12v10H2zM6 3v10M10 3v10",
  filter: "M2 3h12L9.5 8.5V13l-3-1.5v-3Z",
  reset: "M3 8a5 5 0 1 0 1.5-3.5M3 2v3h3",
  download: "M8 2v8M4.5 6.5 8 10l3.5-3.5M2.5 13.5h11",
} as const;

export type IconName = keyof typeof PATHS;

export function Icon({ name, size = 16 }: { name: IconName; size?: number }) {
  const filled = name === "eye" || name === "moon";
  return (
    <svg
      width={size}
      height={size}
      viewBox="0 0 16 16"
      aria-hidden="true"
      focusable="false"
      fill={filled ? "currentColor" : "none"}
      stroke={filled ? "none" : "currentColor"}
      stroke-width="1.5"
      stroke-linecap="round"
      stroke-linejoin="round"
      fill-rule="evenodd"
    >
      <path d={PATHS[name]} />
    </svg>
  );
}
