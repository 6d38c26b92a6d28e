/** Python's time.strftime in the C locale (local time), for the {{now:FORMAT}} macro and the |strftime filter. */

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

const p2 = (n: number): string => String(n).padStart(2, '0');

/** Formats `d` like time.strftime(fmt); unknown directives stay as written (as glibc does). */
export function strftime(fmt: string, d: Date = new Date()): string {
  return fmt.replace(/%([a-zA-Z%])/g, (all, c: string) => {
    switch (c) {
      case 'Y':
        return String(d.getFullYear());
      case 'y':
        return p2(d.getFullYear() % 100);
      case 'm':
        return p2(d.getMonth() + 1);
      case 'd':
        return p2(d.getDate());
      case 'e':
        return String(d.getDate()).padStart(2, ' ');
      case 'H':
        return p2(d.getHours());
      case 'I':
        return p2(d.getHours() % 12 || 12);
      case 'M':
        return p2(d.getMinutes());
      case 'S':
        return p2(d.getSeconds());
      case 'f':
        return String(d.getMilliseconds() * 1000).padStart(6, '0');
      case 'p':
        return d.getHours() < 12 ? 'AM' : 'PM';
      case 'a':
        return DAYS[d.getDay()].slice(0, 3);
      case 'A':
        return DAYS[d.getDay()];
      case 'b':
      case 'h':
        return MONTHS[d.getMonth()].slice(0, 3);
      case 'B':
        return MONTHS[d.getMonth()];
      case 'j': {
        const start = new Date(d.getFullYear(), 0, 1);
        return String(Math.floor((d.getTime() - start.getTime()) / 86_400_000) + 1).padStart(3, '0');
      }
      case 'w':
        return String(d.getDay());
      case 'X':
      case 'T':
        return strftime('%H:%M:%S', d);
      case 'x':
        return strftime('%m/%d/%y', d);
      case 'D':
        return strftime('%m/%d/%y', d);
      case 'F':
        return strftime('%Y-%m-%d', d);
      case 'R':
        return strftime('%H:%M', d);
      case 'c':
        return strftime('%a %b %e %H:%M:%S %Y', d);
      case 's':
        return String(Math.floor(d.getTime() / 1000));
      case '%':
        return '%';
      default:
        return all;
    }
  });
}
