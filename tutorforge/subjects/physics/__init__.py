"""The physics (kinematics) subject pack: generators, the unit-aware checker, personas (subject.toml)."""
