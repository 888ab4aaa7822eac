// The model folder this checkout ships under models/ (change it here when a new one lands).
export const SHIPPED_MODEL_NAME = 'shapes-v8';
/** MODEL_DIR's default, relative to the checkout. */
export const SHIPPED_MODEL_SETTING = `./models/${SHIPPED_MODEL_NAME}`;
