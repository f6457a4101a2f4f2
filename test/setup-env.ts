// Tests never reach the internet: fail fast if anything resolves a non-loopback host.
process.env.NODE_ENV = 'test';
