"""The two Python floors the emulator is compared with: what the same stack costs doing (almost) nothing."""
