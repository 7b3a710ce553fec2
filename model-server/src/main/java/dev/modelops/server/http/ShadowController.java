package dev.modelops.server.http;

import dev.modelops.server.shadow.ShadowMirror;
import io.micronaut.http.annotation.Controller;
import io.micronaut.http.annotation.Get;
import java.util.Map;

/**
 * {@code GET /v1/shadow}: the rollout step this server runs (its shadow or canary configuration)
 * and how the candidate's answers compared with its own since it started: calls answered, failed
 * and dropped, rows compared and how many differ in class, both servers' predictions by fixed
 * bin, the labelled rows each had right, and the candidate's answer times by bucket. The
 * operator sums it over the Production servers to judge the step. On the admin port when there is
 * one, beside drift and metrics.
 */
@Controller(value = "/v1/shadow", port = "${model.admin-port:}")
public class ShadowController {
  private final ShadowMirror shadow;

  public ShadowController(ShadowMirror shadow) {
    this.shadow = shadow;
  }

  @Get
  public Map<String, Object> shadow() {
    return shadow.snapshot();
  }
}
