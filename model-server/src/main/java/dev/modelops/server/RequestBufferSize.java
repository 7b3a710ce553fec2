package dev.modelops.server;

import io.micronaut.context.event.BeanCreatedEvent;
import io.micronaut.context.event.BeanCreatedEventListener;
import io.micronaut.http.server.HttpServerConfiguration;
import jakarta.inject.Singleton;

/**
 * Lets the HTTP server hold a JSON body of up to {@code model.max-json-bytes} while it is read,
 * when that is more than Micronaut's own buffer limit (10 MiB by default); a smaller setting
 * leaves the limit alone, since streamed batch bodies pass through the same buffer. Bodies sent
 * with a Content-Length are refused before they are read ({@link JsonSizeFilter}); chunked ones
 * are checked once read.
 */
@Singleton
public class RequestBufferSize implements BeanCreatedEventListener<HttpServerConfiguration> {
  private final ModelSettings settings;

  public RequestBufferSize(ModelSettings settings) {
    this.settings = settings;
  }

  @Override
  public HttpServerConfiguration onCreated(BeanCreatedEvent<HttpServerConfiguration> event) {
    HttpServerConfiguration server = event.getBean();
    if (settings.maxJsonBytes() > server.getMaxRequestBufferSize()) {
      server.setMaxRequestBufferSize(settings.maxJsonBytes());
    }
    return server;
  }
}
