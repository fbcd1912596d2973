/**
 * Global Privacy Control or Do Not Track ('1') is set in this browser. (window.doNotTrack, from old
 * Safari and Edge, is not read: those browsers are gone, and Safari dropped Do Not Track in 12.1.)
 */
export const privacySignal = (): boolean =>
  !!(navigator as Navigator & { globalPrivacyControl?: boolean }).globalPrivacyControl || navigator.doNotTrack == '1';
