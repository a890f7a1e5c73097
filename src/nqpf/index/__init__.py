"""nqpf.index"""
