package dev.modelops.server.limits;

import dev.modelops.server.ApiException;
import dev.modelops.server.ModelSettings;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/** The most rows one JSON request may hold, {@code model.max-batch-rows}; more is a 413 (streamed batches have no limit). */
@Singleton
public class RowLimit {
  private final int maxRows;

  public RowLimit(ModelSettings settings) {
    this.maxRows = settings.maxBatchRows();
  }

  /** Refuses more than the limit of records in one /v1/predict array. */
  public void records(int n) {
    if (n > maxRows) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, null,
          n + " records in one request; at most " + maxRows + " (model.max-batch-rows): use /v1/predict/batch for more");
    }
  }

  /** Refuses more than the limit of rows in the tensors of one V2 inference request. */
  public void tensorRows(int n) {
    if (n > maxRows) {
      throw new ApiException(HttpStatus.REQUEST_ENTITY_TOO_LARGE, "inputs", n + " rows in one request; at most " + maxRows);
    }
  }
}
