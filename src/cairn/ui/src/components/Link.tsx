import type { ComponentChildren } from "preact";
import { onLinkClick } from "../router";

interface Props {
  href: string;
  class?: string;
  title?: string;
  "aria-label"?: string;
  children: ComponentChildren;
}

/** An in-app link: a real <a href> (copyable, middle-clickable) that navigates without a reload. */
export function Link({ href, children, ...rest }: Props) {
  return (
    <a href={href} onClick={(e) => onLinkClick(e, href)} {...rest}>
      {children}
    </a>
  );
}
