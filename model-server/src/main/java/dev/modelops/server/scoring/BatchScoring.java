package dev.modelops.server.scoring;

import dev.modelops.server.ApiException;
import dev.modelops.server.Prediction;
import dev.modelops.server.Rows;
import dev.modelops.server.codec.AnswerFields;
import dev.modelops.server.codec.BatchFormat;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Scores a stream of rows in chunks of {@value #CHUNK} and answers them in input order while the
 * rest is still being read: one thread per batch parses, a pool of one thread per core scores
 * (and formats) up to {@value #AHEAD} chunks ahead, and the answers go out through a
 * {@link ChunkPipe}, so a batch of any size runs in bounded memory. The first chunk is scored
 * before the answer starts, so that a bad row there is still a 400; a bad row further on ends the
 * answer with an error line, after every row before it.
 */
@Singleton
public class BatchScoring {
  private static final Logger LOG = LoggerFactory.getLogger(BatchScoring.class);
  static final int CHUNK = 1024;
  /** Chunks scored ahead of the writer, per batch. */
  static final int AHEAD = 4;

  private final Predictions predictions;
  private final ExecutorService writers = Executors.newCachedThreadPool(daemon("batch-writer"));
  /** Scores parsed chunks while the next ones are parsed: one thread per core, shared by all batches. */
  private final ExecutorService scorers = Executors.newFixedThreadPool(Runtime.getRuntime().availableProcessors(), daemon("batch-scorer"));

  public BatchScoring(Predictions predictions) {
    this.predictions = predictions;
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * The answers to {@code rows}, in {@code format} with the fields of the model's kind, as a stream that fills while it is read.
   *
   * @throws ApiException when the first chunk has a bad row, or there are no rows
   */
  public InputStream score(Iterator<Object[]> rows, BatchFormat format, AnswerFields fields) {
    List<Object[]> first = new ArrayList<>(CHUNK);
    fill(first, rows);
    if (first.isEmpty()) {
      throw new ApiException(HttpStatus.BAD_REQUEST, null, "the batch has no rows");
    }
    Prediction[] firstAnswers = predictions.predict(Rows.of(first.toArray(new Object[0][])));
    ChunkPipe out = new ChunkPipe(AHEAD * 2);
    writers.submit(() -> write(out, format, fields, firstAnswers, rows));
    return out;
  }

  /** Runs on a writer thread: parses here, scores on the scorer threads, hands over in order, so parsing, scoring and sending overlap. */
  private void write(ChunkPipe out, BatchFormat format, AnswerFields fields, Prediction[] firstAnswers, Iterator<Object[]> rows) {
    try {
      out.put(format.header(fields));
      out.put(format.encode(firstAnswers, fields));
      ArrayDeque<Future<byte[]>> scored = new ArrayDeque<>();
      String failure = null;
      while (failure == null) {
        // A bad row ends the batch, but every row before it is still answered.
        List<Object[]> chunk = new ArrayList<>(CHUNK);
        try {
          fill(chunk, rows);
        } catch (ApiException e) {
          failure = e.getMessage();
        }
        if (chunk.isEmpty()) {
          break;
        }
        Rows values = Rows.of(chunk.toArray(new Object[0][]));
        scored.add(scorers.submit(() -> format.encode(predictions.predict(values), fields)));
        while (scored.size() >= AHEAD) {
          out.put(next(scored));
        }
      }
      while (!scored.isEmpty()) {
        out.put(next(scored));
      }
      if (failure != null) {
        out.put(format.errorLine(failure));
      }
    } catch (IOException e) {
      // The client went away: nothing left to answer.
    } catch (RuntimeException e) {
      // Not the client's doing (the status line has gone out): end the stream saying so.
      LOG.error("batch scoring failed", e);
      try {
        out.put(format.errorLine("the server failed to score the batch: " + e));
      } catch (IOException gone) {
        // The client went away as well.
      }
    } finally {
      try {
        out.finish();
      } catch (IOException e) {
        // The reader is gone too.
      }
    }
  }

  /** Adds rows to {@code chunk} up to {@value #CHUNK}; the rows read before a bad one stay in it. */
  private static void fill(List<Object[]> chunk, Iterator<Object[]> rows) {
    while (chunk.size() < CHUNK && rows.hasNext()) {
      chunk.add(rows.next());
    }
  }

  private static byte[] next(ArrayDeque<Future<byte[]>> scored) throws IOException {
    try {
      return scored.poll().get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
    }
  }
}
