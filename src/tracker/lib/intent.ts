/** Elements whose hover or click shows intent to get in touch. */
export const INTENT = 'a[href^="tel:"],a[href^="mailto:"],button,[data-om-intent]';
