"""Audio in: decoding any format to 16 kHz mono, validated once, and the signal measures
(silences, sound islands, levels, pitch)."""
