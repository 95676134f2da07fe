/** The Meshwork version the CLI reports (`mesh --version`, SARIF's tool version). */
export const VERSION = '0.1.0';
