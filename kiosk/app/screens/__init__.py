"""Every screen, by the name navigation uses."""

from kiosk.app.screens.attract import AttractScreen
from kiosk.app.screens.help_here import HelpHereScreen
from kiosk.app.screens.home import HomeScreen
from kiosk.app.screens.language import LanguageScreen
from kiosk.app.screens.services import GuideScreen, ServiceScreen, ServicesScreen
from kiosk.app.screens.tutorials import LessonScreen, TutorialDoneScreen, TutorialsScreen

SCREENS = {
    "attract": AttractScreen,
    "language": LanguageScreen,
    "home": HomeScreen,
    "services": ServicesScreen,
    "service": ServiceScreen,
    "guide": GuideScreen,
    "tutorials": TutorialsScreen,
    "lesson": LessonScreen,
    "tutorial_done": TutorialDoneScreen,
    "help_here": HelpHereScreen,
}
