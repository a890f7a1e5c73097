"""nqpf.sensitivity"""
