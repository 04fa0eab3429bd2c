//! Floating-point arithmetic exactly as the Arm ARM's shared pseudocode (J1.2, `FPAdd`,
//! `FPRound`, ...) defines it. Work in progress.
