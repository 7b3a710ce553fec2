package dev.modelops.server.http;

import dev.modelops.server.ApiException;
import dev.modelops.server.scoring.RequestIds;
import dev.modelops.server.shadow.ShadowSettings;
import io.micronaut.http.HttpStatus;
import jakarta.inject.Singleton;

/**
 * The prediction ids a request brings in {@link RequestIds#HEADER}: a Production server mirroring
 * to this one as its shadow candidate sends its own, so that both answer a row under one id. Taken
 * only with {@code model.shadow.accept-ids} (which the operator sets on a candidate alone);
 * otherwise the header is ignored, so that no client picks the ids feedback is joined by.
 */
@Singleton
public class CandidateIds {
  private final boolean accept;

  public CandidateIds(ShadowSettings settings) {
    this.accept = settings.acceptIds();
  }

  /** The ids to answer under, or null for new ones; a malformed header, when taken, is a 400 naming it. */
  RequestIds.Block of(String header) {
    if (!accept || header == null) {
      return null;
    }
    return RequestIds.parse(header).orElseThrow(() -> new ApiException(HttpStatus.BAD_REQUEST, RequestIds.HEADER,
        RequestIds.HEADER + " must be a prediction id as model servers make them (16 hex digits, '-', a number), or a comma-separated list of them (one per row), not '" + header + "'"));
  }
}
