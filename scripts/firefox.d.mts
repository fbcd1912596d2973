export declare const FIREFOX_PATH: string;
export declare const FIREFOX_LAUNCH: { browser: 'firefox'; executablePath: string; headless: true; protocol: 'webDriverBiDi' };
