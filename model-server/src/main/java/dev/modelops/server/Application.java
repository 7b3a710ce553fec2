package dev.modelops.server;

import io.micronaut.runtime.Micronaut;

/** Starts the model server: {@code MODEL_BUNDLE=<path or URI> java -jar model-server.jar}. */
public final class Application {
  private Application() {}

  public static void main(String[] args) {
    Micronaut.build(args).banner(false).mainClass(Application.class).start();
  }
}
