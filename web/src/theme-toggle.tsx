/** The colour theme: the system's (prefers-color-scheme) by default, or light or dark as chosen, kept in this browser. */
import { useEffect, useState } from 'react';

const THEME_KEY = 'meshwork.theme';
const THEMES = ['system', 'light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

function savedTheme(): Theme {
  const saved = localStorage.getItem(THEME_KEY);
  return (THEMES as readonly string[]).includes(saved ?? '') ? (saved as Theme) : 'system';
}

export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(savedTheme);
  useEffect(() => {
    if (theme === 'system') {
      delete document.documentElement.dataset.theme;
      localStorage.removeItem(THEME_KEY);
    } else {
      document.documentElement.dataset.theme = theme;
      localStorage.setItem(THEME_KEY, theme);
    }
  }, [theme]);
  const next = THEMES[(THEMES.indexOf(theme) + 1) % THEMES.length];
  return (
    <button type="button" onClick={() => setTheme(next)} aria-label={`Theme: ${theme} (switch to ${next})`}>
      Theme: {theme}
    </button>
  );
}
