package dev.modelops.server.scoring;

import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * The body of a streamed response: a producer thread hands over whole chunks of bytes, the HTTP
 * server reads them as an InputStream. Unlike a {@link java.io.PipedInputStream} (a small ring
 * buffer that wakes a blocked writer only once the reader has drained it, or after a second), a
 * chunk is handed over as it is and either side wakes the other at once, so producing the next
 * chunk overlaps with sending the last. At most {@code capacity} chunks wait, which bounds memory
 * when the client reads slowly.
 */
final class ChunkPipe extends InputStream {
  private static final byte[] END = new byte[0];
  /** How long a producer waits for a reader that takes nothing before giving up. */
  private static final long STALL_SECONDS = 300;

  private final BlockingQueue<byte[]> queue;
  private volatile boolean closed;
  private byte[] current;
  private int position;
  private boolean ended;

  ChunkPipe(int capacity) {
    this.queue = new ArrayBlockingQueue<>(capacity);
  }

  /**
   * Hands a chunk to the reader, waiting while {@code capacity} chunks are unread.
   *
   * @throws IOException when the reader has closed the stream (the client went away) or took
   *     nothing for minutes
   */
  void put(byte[] chunk) throws IOException {
    if (chunk.length > 0) {
      offer(chunk);
    }
  }

  /** Marks the end of the stream; the reader sees end-of-file after the chunks before it. */
  void finish() throws IOException {
    offer(END);
  }

  private void offer(byte[] chunk) throws IOException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(STALL_SECONDS);
    try {
      while (!queue.offer(chunk, 100, TimeUnit.MILLISECONDS)) {
        if (closed) {
          throw new IOException("the response stream was closed");
        }
        if (System.nanoTime() > deadline) {
          throw new IOException("the client read nothing for " + STALL_SECONDS + " s");
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("interrupted while handing over a chunk");
    }
  }

  private boolean fill() throws IOException {
    if (ended) {
      return false;
    }
    if (current == null || position == current.length) {
      try {
        current = queue.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new InterruptedIOException("interrupted while waiting for a chunk");
      }
      position = 0;
      if (current == END) {
        ended = true;
        return false;
      }
    }
    return true;
  }

  @Override
  public int read() throws IOException {
    return fill() ? current[position++] & 0xff : -1;
  }

  @Override
  public int read(byte[] b, int off, int len) throws IOException {
    if (len == 0) {
      return 0;
    }
    if (!fill()) {
      return -1;
    }
    int n = Math.min(len, current.length - position);
    System.arraycopy(current, position, b, off, n);
    position += n;
    return n;
  }

  @Override
  public int available() {
    return current == null || ended ? 0 : current.length - position;
  }

  @Override
  public void close() {
    closed = true;
    queue.clear();
  }
}
