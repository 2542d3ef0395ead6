System.Console.WriteLine("bench: not written yet");
