"""nqpf.framework"""
