"""nqpf.paths"""
