"""Neural networks: autoencoder, text encoder, spatial and spatio-temporal U-Nets."""
