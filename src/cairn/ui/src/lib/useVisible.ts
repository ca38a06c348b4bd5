/** Whether an element is on (or near) the screen, from one shared IntersectionObserver:
 * thousands of panels cost one observer, and only visible panels fetch and draw. */
import { useEffect, useRef, useState } from "preact/hooks";

type Callback = (visible: boolean) => void;
const callbacks = new Map<Element, Callback>();
let observer: IntersectionObserver | null = null;

function shared(): IntersectionObserver {
  observer ??= new IntersectionObserver(
    (entries) => {
      for (const e of entries) callbacks.get(e.target)?.(e.isIntersecting);
    },
    { rootMargin: "300px 0px" },
  );
  return observer;
}

export function useVisible<T extends Element>(): [preact.RefObject<T>, boolean] {
  const ref = useRef<T>(null);
  const [visible, setVisible] = useState(false);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const obs = shared();
    callbacks.set(el, setVisible);
    obs.observe(el);
    return () => {
      callbacks.delete(el);
      obs.unobserve(el);
    };
  }, []);
  return [ref, visible];
}
