"""nqpf.explain"""
