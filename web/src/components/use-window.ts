/**
 * Hand-rolled windowing: which rows of a long list are visible in a scrolling box. Only those rows
 * (plus a few above and below) are rendered, so 10,000 runs cost as much as 40.
 */
import { useEffect, useState, type RefObject } from 'react';

export function useWindow(
  box: RefObject<HTMLElement | null>,
  count: number,
  rowHeight: number,
  overscan = 8,
) {
  const [view, setView] = useState({ top: 0, height: 800 });
  useEffect(() => {
    const el = box.current;
    if (!el) return;
    let frame = 0;
    const update = () => {
      frame = 0;
      setView((v) =>
        v.top === el.scrollTop && v.height === el.clientHeight
          ? v
          : { top: el.scrollTop, height: el.clientHeight },
      );
    };
    const onScroll = () => {
      if (!frame) frame = requestAnimationFrame(update);
    };
    update();
    el.addEventListener('scroll', onScroll, { passive: true });
    const ro = new ResizeObserver(onScroll);
    ro.observe(el);
    return () => {
      el.removeEventListener('scroll', onScroll);
      ro.disconnect();
      cancelAnimationFrame(frame);
    };
  }, [box]);
  const first = Math.max(0, Math.floor(view.top / rowHeight) - overscan);
  const last = Math.min(count, Math.ceil((view.top + view.height) / rowHeight) + overscan);
  return { first, last, total: count * rowHeight };
}
