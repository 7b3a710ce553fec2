package dev.modelops.server.scoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The batch response pipe: chunks arrive whole and in order, end cleanly, and a gone reader frees the producer. */
class ChunkPipeTest {
  @Test
  void chunksAreReadInOrderThenEndOfFile() throws Exception {
    ChunkPipe pipe = new ChunkPipe(2);
    CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
      try {
        for (int i = 0; i < 1000; i++) {
          pipe.put(("line " + i + "\n").getBytes(StandardCharsets.UTF_8));
        }
        pipe.put(new byte[0]);
        pipe.finish();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    String text = new String(pipe.readAllBytes(), StandardCharsets.UTF_8);
    producer.get(10, TimeUnit.SECONDS);
    assertThat(text.lines().toList()).hasSize(1000).startsWith("line 0").endsWith("line 999");
    assertThat(pipe.read()).isEqualTo(-1);
  }

  @Test
  void aClosedReaderStopsAProducerThatWaitsForSpace() throws Exception {
    ChunkPipe pipe = new ChunkPipe(1);
    pipe.put(new byte[] {1});
    CompletableFuture<Void> producer = CompletableFuture.runAsync(() -> {
      try {
        pipe.put(new byte[] {2});
        pipe.put(new byte[] {3});
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(200);
    assertThat(producer).isNotDone();
    pipe.close();
    assertThatThrownBy(() -> producer.get(5, TimeUnit.SECONDS)).hasRootCauseMessage("the response stream was closed");
  }
}
